"""notify: templates, notifications and their deliveries (in-app, SMS; later WeChat, e-mail, print)."""
