// Starts the AsyncAPI renderer on the realtime protocol's page (/api/asyncapi,
// worker/system/routes/asyncapi-docs.ts): a file rather than an inline script, so the page's CSP can
// refuse everything inline. The renderer fetches the document from this site and parses it here.
const root = document.getElementById('asyncapi')

window.AsyncApiStandalone.render(
  {
    schema: { url: root.dataset.documentUrl, requestOptions: {} },
    config: { show: { sidebar: true, errors: true }, sidebar: { showOperations: 'byDefault' } },
  },
  root,
)
