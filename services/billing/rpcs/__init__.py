"""billing's RPCs by area, one mixin each, all inherited by ``service.BillingService`` (as the
gateway's route modules are by its service): wiring only -- load with the schema, call the rule,
dump the reply; the rules live in ``domain/``."""


def with_ids(data, **ids):
    """A command's body with the ids from the path; a body that is not an object is left to the
    schema, which refuses it (400)."""
    return {**data, **ids} if isinstance(data, dict) else data
