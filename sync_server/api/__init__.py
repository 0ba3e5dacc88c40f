"""The JSON API (`/api/v1`): thin routes over `sync_server.services`."""
