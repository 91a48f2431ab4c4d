"""Jira connectors: transport (`client`), request documents (`jql`), pure normalisers
(`normalise`, `normalise_links`) and the Jira Cloud connector (`cloud`).
"""
