"""AI reply drafts: agents list, approve (possibly edited, then sent) or reject them."""
