from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine


async def test_database_url_fixture_gives_an_empty_database(database_url: str) -> None:
    engine = create_async_engine(database_url)
    async with engine.connect() as connection:
        assert (await connection.execute(text("select 1"))).scalar_one() == 1
    await engine.dispose()
