"""The public API, one module per area; :class:`gateway.service.GatewayService` inherits them all."""
