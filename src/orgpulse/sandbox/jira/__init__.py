"""The organisation served as Jira: `cloud` (routes, authentication, metadata) with `search` (the
paged issue and history endpoints), `render` (issue JSON), `items` (changelog items), `fields` (the
field catalogue) and `jql` (the JQL subset); `datacenter` and `render_dc` are Jira Data Center 9,
the same organisation DC-shaped.
"""
