"""archive's RPCs kept out of ``service.py`` by area, one mixin each, inherited by
``service.ArchiveService`` (as billing's and tickets' ``rpcs/``): wiring only -- load with the schema,
call the rule, dump the reply; the rules live in ``domain/``."""
