"""The generated organisation, dialect-neutral, and its truth.

`generate` builds it (deterministic from its arguments) with `people`, `plan`, `paths`, `links` and
`inject` (one injector per symptom, registered in `INJECTORS`, written in `inject`, `inject_flow`
and `inject_team`, their cells chosen apart by `cells`, built histories read and edited through
`edits`); `model` holds it compactly and `history` derives filler histories lazily; `truth` states
what was injected. `site` (statuses, issue types, link types, fields), `weeks` (the site's clock)
and `words` (made-up names and summaries) are the vocabulary every dialect renders from.
Organisations too thin for an injector (fewer than about 4 completions per team-week) may carry
fewer than two cells of that symptom.
"""
