"""notify's RPCs and event handlers kept out of ``service.py`` by area, one mixin each, inherited by
``service.NotifyService`` (as billing's, tickets' and archive's ``rpcs/``): wiring only -- load with the
schema, call the rule, dump the reply; the rules live in ``domain/``."""
