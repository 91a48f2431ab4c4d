"""Linear connector: transport (`client`), GraphQL documents kept as data (`documents/*.graphql`,
loaded by `queries`), the complexity estimate (`complexity`), pure normalisers (`normalise`,
`normalise_meta`), reference data (`metadata`), nested-connection paging (`followups`), the cursor
(`cursor`) and the connector itself (`connector.LinearConnector`).
"""
