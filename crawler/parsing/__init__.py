"""From page to fields: configured selectors, and text and time normalisation."""
