from kernel.alembic_env import run
from services.archive.models import Base

run(Base.metadata)
