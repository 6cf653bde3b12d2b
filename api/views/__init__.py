"""The API's views, by resource: thin — find the row by the pages' access rules, check the input,
call the app's service, answer with the row as the API shows it."""
