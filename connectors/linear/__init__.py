"""Linear connector: transport (`client`), GraphQL documents as data (`queries/`, `queries`), the
complexity estimate (`complexity`), pure normalisers (`normalise`), the cursor (`cursor`), the
follow-up pager (`followups`) and the connector itself (`connector`, `LinearConnector`).
"""
