"""The survivor pipeline, in the order a message travels (docs/architecture.md):
normalise once (`channels.base.Inbound`), identify (`privacy.identity`), keywords, danger,
then the open ticket's worker or the dialogue engine; `Conversations` runs the steps."""
