"""Jira connector, one for Cloud and Data Center / Server: the connector and what it shares
(`connector`), each deployment's strategy (`cloud`: token paging and the bulk changelog;
`datacenter`: offset paging with whole histories), transport (`client`, `client_dc`), request
documents (`jql`, `jql_dc`), the cursor (`cursor`), history completion (`histories`) and pure
normalisers (`normalise`, `changelog`, `normalise_links`, `normalise_meta`, `normalise_dc`).
"""
