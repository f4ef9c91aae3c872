"""How items enter the ledger: records, routing, re-routing, duplicates and the routing model."""
