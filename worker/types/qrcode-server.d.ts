// qrcode's server entry (the one that bundles for workerd: no canvas) has the package's own types.
declare module 'qrcode/lib/server.js' {
  import QRCode from 'qrcode'
  export default QRCode
}
