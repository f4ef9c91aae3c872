"""The `huiying` console script: thin subcommands over ledger, classifier, crawler and webapp."""
