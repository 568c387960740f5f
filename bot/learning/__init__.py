"""Learning from what the bot did not understand: kept masked with consent, labelled by
editors, added to the training data, retrained and swapped in (issue 17, item 6)."""
