// The server appends this to link-flow.js to serve /sdk/link-flow.mjs, so
// the one SDK works as a classic script and as an ES module.
const LinkFlow = globalThis.LinkFlow;
LinkFlow.setScriptUrl(import.meta.url);

export { LinkFlow };
export default LinkFlow;
