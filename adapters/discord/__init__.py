"""Discord adapter: translates Discord events into QotdService calls and Replies into messages."""
