"""The composition root: settings, the app factory and the wiring of settings to objects."""
