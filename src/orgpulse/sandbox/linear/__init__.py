"""The organisation served as Linear: `app` executes `POST /graphql` against Linear's real schema
(`schema`, loading the `schema.graphql` shipped beside it), priced by `complexity` and refused in
Linear's shapes (`errors`); `model` maps the organisation to one workspace, `history` tells an
issue's life as Linear records it, `graph`, `nodes` and `nodes_meta` are the served objects,
`paging` cuts relay pages and `filters` evaluates filter arguments.
"""
