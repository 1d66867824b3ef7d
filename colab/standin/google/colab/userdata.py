"""``google.colab.userdata``: Colab's secrets. The emulation has none, like a fresh Colab account."""
from .errors import Error


class SecretNotFoundError(Error):
    def __init__(self, key: str):
        super().__init__(f"Secret {key} does not exist.")


class NotebookAccessError(Error):
    def __init__(self, key: str):
        super().__init__(f"Notebook does not have access to secret {key}")


class TimeoutException(Error):
    def __init__(self, key: str):
        super().__init__(f"Requesting secret {key} timed out.")


def get(key: str) -> str:
    raise SecretNotFoundError(key)
