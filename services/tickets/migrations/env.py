from kernel.alembic_env import run
from services.tickets.models import Base

run(Base.metadata)
