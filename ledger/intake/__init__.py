"""How items enter the ledger: records and their checks, the one batch path, duplicates and oversized
bodies; manual/ for items entered by hand, model/ for the routing model."""
