"""Working-day calendar, deadline rules and deadline computation: pure, no models or database."""
