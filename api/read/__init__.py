"""The API's read endpoints, one module per domain; each viewset lists and retrieves
through the selector of the page that shows the same rows."""
