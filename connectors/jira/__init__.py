"""Jira connectors: transport (`client`), request documents (`jql`), pure normalisers
(`normalise`, `normalise_links`) and the Jira Cloud connector (`cloud`); for Data Center / Server,
`client_dc`, `jql_dc`, `normalise_dc` and the connector (`datacenter`).
"""
