"""Source files: loading with the strict key schema, and `huiying sources check`'s trial crawl."""
