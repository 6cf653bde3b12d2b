"""What the API does beyond reading: its tokens (`tokens`) and its writes to clients (`clients`),
which go through the one client writer (clients.services.write) merged by field; the exchange
with an accounting system (`exchange`), handed to the services of its kinds."""
