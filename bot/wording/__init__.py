"""What the bot says: message keys, the catalogs that translate them, rendering a message
for a channel, SMS segments, and the languages people write in."""
