// A throw-away service-account key pair for the FCM fake, generated at every start so no private
// key ever lands in the repository or the data folder.
import { generateKeyPair } from 'node:crypto'
import { promisify } from 'node:util'

const generateRsa = promisify(generateKeyPair)

export interface FcmDevCredentials {
  projectId: string
  clientEmail: string
  /** PKCS#8 PEM, the format of `private_key` in a Google service-account JSON file */
  privateKeyPem: string
  publicKeyPem: string
}

export async function generateFcmCredentials(projectId = 'sanora-dev'): Promise<FcmDevCredentials> {
  const { privateKey, publicKey } = await generateRsa('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  })
  return {
    projectId,
    clientEmail: `firebase-adminsdk-dev@${projectId}.iam.gserviceaccount.com`,
    privateKeyPem: privateKey,
    publicKeyPem: publicKey,
  }
}
