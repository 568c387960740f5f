"""Running the parts: starting and stopping the engine, actions and gateway processes."""
