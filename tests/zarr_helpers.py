"""A Zarr store for tests that proves what lazy code reads."""

import zarr.storage


class RecordingStore(zarr.storage.WrapperStore):
    """A real local store that remembers which keys were read."""

    def __init__(self, store):
        super().__init__(store)
        self.keys: list[str] = []

    async def get(self, key, prototype, byte_range=None):
        self.keys.append(key)
        return await super().get(key, prototype, byte_range)
