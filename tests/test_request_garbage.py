"""A request leaves nothing for the garbage collector that it loaded: its loaders, their
futures and documents go with it by reference counting (`Context.close`, `Loader`), so
under load the collector walks the requests in flight, not the ones answered."""

import gc

import pytest
from strawberry.dataloader import DataLoader

from tests.factories import Api, village_id
from tests.market import create_listing

HOME = """query($village: ID!) {
  me { name followedCommodities { name } }
  notices(regionId: $village, first: 5) { edges { node { id title read } } }
  listings(filter: { regionId: $village }, first: 5) {
    edges { node { id title seller { name } region { name } } } }
}"""


@pytest.mark.usefixtures("catalog")
async def test_a_request_leaves_no_loaded_documents_to_the_collector(api: Api) -> None:
    for n in range(3):
        await create_listing(api, await api.person(), title=f"大白菜{n}")
    farmer = await api.person()
    variables = {"village": village_id("孙家集村")}
    first = await api.gql(HOME, variables, as_=farmer)
    assert "errors" not in first and len(first["data"]["listings"]["edges"]) == 3
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        for _ in range(5):
            assert await api.gql(HOME, variables, as_=farmer) == first
        gc.collect()
        left = list(gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()
    loaders = [type(o).__name__ for o in left if isinstance(o, DataLoader)]
    documents = [o for o in left if isinstance(o, dict) and "_id" in o]
    assert loaders == [] and documents == []
