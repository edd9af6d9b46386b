"""app_state."""
