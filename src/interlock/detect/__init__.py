"""Pure detection: strategic (declared volumes), rules (lead time)."""
