"""The HTTP gateway: routing, authentication, validation, composition, and one
table mapping remote errors to HTTP statuses. It imports no service's code --
only the shared kernel -- and owns the user accounts, roles and scopes."""
