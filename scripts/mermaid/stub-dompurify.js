const p = { sanitize: (s) => s, addHook() {}, removeHook() {}, removeHooks() {}, removeAllHooks() {}, setConfig() {}, clearConfig() {}, isSupported: false, isValidAttribute: () => true };
export default p;
