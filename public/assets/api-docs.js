// Starts Swagger UI on the API reference page (/api/docs, worker/system/routes/api-docs.ts): a file rather
// than an inline script, so the page's CSP can refuse everything inline. The validator badge is
// off: it would send the document to validator.swagger.io.
const root = document.getElementById('swagger-ui')

window.ui = window.SwaggerUIBundle({
  domNode: root,
  url: root.dataset.specUrl,
  validatorUrl: null,
})
