"""What administrators edit in data/: strict key checks, each file's schema, versioned edits."""
