// Reading S3 keys from what the old models stored: bare keys, S3 URLs in both styles, CDN URLs.
import { describe, expect, it } from 'vitest'
import { s3Key, videoFile } from './course-refs'

describe('s3Key', () => {
  it.each([
    ['courses/a.mp4', 'courses/a.mp4'],
    ['/courses/a.mp4', 'courses/a.mp4'],
    ['https://bucket.s3.eu-west-2.amazonaws.com/courses/a.mp4', 'courses/a.mp4'],
    ['https://s3.eu-west-2.amazonaws.com/bucket/courses/a.mp4', 'courses/a.mp4'],
    ['https://s3.amazonaws.com/bucket/courses/a%20b.mp4', 'courses/a b.mp4'],
    ['https://d111.cloudfront.net/courses/a.mp4', 'courses/a.mp4'],
  ])('reads %s as %s', (stored, key) => {
    expect(s3Key(stored)).toBe(key)
  })

  it('answers nothing for an empty value or a bare host', () => {
    expect(s3Key('')).toBeUndefined()
    expect(s3Key(undefined)).toBeUndefined()
    expect(s3Key('https://cdn.example.test/')).toBeUndefined()
  })
})

describe('videoFile', () => {
  it('plays the transcoded copy when there is one and keeps every key', () => {
    expect(
      videoFile({
        s3Key: 'v/original.mov',
        transcodedUrl: 'https://b.s3.amazonaws.com/v/720p.mp4',
        thumbnailUrl: 'https://b.s3.amazonaws.com/v/thumb.jpg',
      }),
    ).toEqual({
      key: 'v/720p.mp4',
      originalKey: 'v/original.mov',
      transcodedKey: 'v/720p.mp4',
      thumbnailKey: 'v/thumb.jpg',
    })
  })

  it('has nothing to play without a key or URL', () => {
    expect(videoFile({ title: 'x' })).toBeUndefined()
  })
})
