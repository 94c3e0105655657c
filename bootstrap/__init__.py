"""The composition root: settings, database, keys, resolvers and catalogues put together for the web app
(bootstrap.app), the `badges` command (bootstrap.cli) and its queue workers. Nothing imports this package but its
entry points: the feature packages (issuer, verifier, wallet) and the shared web plumbing (web) sit below it."""
