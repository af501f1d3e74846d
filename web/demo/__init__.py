"""The demo district and the terminal demo, with their fixed inputs."""
