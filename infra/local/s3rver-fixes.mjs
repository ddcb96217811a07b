// Where s3rver 3.7's filesystem store differs from S3, fixed where it happens (plain
// JavaScript: the stores' worker loads it without the TypeScript loader).
//
// 1. `putObject` opens its write stream with no 'error' listener, and `deleteObject` removes a key's
//    directory once it looks empty. A PUT into a directory that a concurrent DELETE just removed (the
//    aggregator rewrites partials while it deletes others beside them) fails to open its file with
//    ENOENT, uncaught: the whole worker, dynalite's in-memory table with it, went down. The object is now
//    written to a temporary file in the bucket's directory and renamed into place, every stream's error
//    rejects the request, and a directory that vanished before the rename is made again.
// 2. An aborted PUT left a truncated object behind; S3 keeps the previous version. With the rename, a
//    PUT whose body never completes changes nothing.
import { createHash, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

const require = createRequire(import.meta.url);
const fs = require('fs-extra');
const FilesystemStore = require('s3rver/lib/stores/filesystem.js');

const ATTEMPTS = 5;

/**
 * Writes `content` (a Buffer or a stream) to a temporary file in the bucket's own directory, which no
 * delete removes (its name lacks the object suffix, so listings skip it): its path, size and MD5.
 */
async function writeTemporary(bucketPath, content) {
  const temporary = join(bucketPath, `.s3rver-upload-${randomBytes(8).toString('hex')}`);
  const md5 = createHash('md5');
  let size = 0;
  try {
    if (Buffer.isBuffer(content)) {
      await fs.writeFile(temporary, content);
      md5.update(content);
      size = content.length;
    } else {
      const measure = new Transform({
        transform(chunk, encoding, callback) {
          md5.update(chunk, encoding);
          size += chunk.length;
          callback(null, chunk);
        },
      });
      await pipeline(content, measure, fs.createWriteStream(temporary));
    }
    return { temporary, size, md5: md5.digest('hex') };
  } catch (error) {
    await fs.remove(temporary).catch(() => undefined);
    throw error;
  }
}

FilesystemStore.prototype.putObject = async function putObject(object) {
  const objectPath = this.getResourcePath(object.bucket, object.key, 'object');
  const { temporary, size, md5 } = await writeTemporary(this.getBucketPath(object.bucket), object.content);
  try {
    for (let attempt = 1; ; attempt += 1) {
      await fs.mkdirp(dirname(objectPath));
      try {
        await fs.rename(temporary, objectPath);
        await this.putMetadata(object.bucket, object.key, object.metadata, md5);
        return { size, md5 };
      } catch (error) {
        // A concurrent delete removed the directory between mkdirp and rename: make it again.
        if (error?.code !== 'ENOENT' || attempt >= ATTEMPTS) throw error;
      }
    }
  } finally {
    await fs.remove(temporary).catch(() => undefined);
  }
};

const deleteObject = FilesystemStore.prototype.deleteObject;
FilesystemStore.prototype.deleteObject = async function deleteObjectTolerantly(bucket, key) {
  try {
    await deleteObject.call(this, bucket, key);
  } catch (error) {
    // The object's files are gone; only the empty-directory clean-up lost a race with another request.
    if (error?.code !== 'ENOENT' && error?.code !== 'ENOTEMPTY') throw error;
  }
};

// 3. A listing with a delimiter skips every directory below a common prefix before it has met a key
//    there, so common prefixes deeper than one directory were never found (`events/site=S/` listed
//    with `/` answered no `dt=` prefix at all; S3 answers each day). Directories are now skipped only
//    once their common prefix is known.
const { walk } = require('s3rver/lib/utils.js');
const S3Object = require('s3rver/lib/models/object.js');
const OBJECT_SUFFIX = '._S3rver_object';
const listObjects = FilesystemStore.prototype.listObjects;
FilesystemStore.prototype.listObjects = async function listObjectsWithDeepPrefixes(bucket, options = {}) {
  const { delimiter = '', startAfter = '', prefix = '', maxKeys = Number.POSITIVE_INFINITY } = options;
  if (!delimiter) return listObjects.call(this, bucket, options);
  const bucketPath = this.getBucketPath(bucket);
  const commonPrefixes = new Set();
  const commonPrefixOf = (keyPrefix) => {
    if (!keyPrefix.startsWith(prefix)) return undefined;
    const index = keyPrefix.slice(prefix.length).indexOf(delimiter);
    return index === -1 ? undefined : keyPrefix.slice(0, prefix.length + index + delimiter.length);
  };
  const paths = walk(bucketPath, (dirPath) => {
    const dirKey = `${dirPath.slice(bucketPath.length + 1)}/`;
    if (!dirKey.startsWith(prefix) && !prefix.startsWith(dirKey)) return false;
    const common = commonPrefixOf(dirKey);
    return common === undefined || !commonPrefixes.has(common);
  });
  const keys = [];
  let isTruncated = false;
  for (const keyPath of paths) {
    if (!keyPath.endsWith(OBJECT_SUFFIX)) continue;
    const key = keyPath.slice(bucketPath.length + 1, -OBJECT_SUFFIX.length);
    if (key <= startAfter || !key.startsWith(prefix)) continue;
    const common = commonPrefixOf(key);
    if (common !== undefined) {
      commonPrefixes.add(common);
      continue;
    }
    if (keys.length >= maxKeys) {
      isTruncated = true;
      break;
    }
    keys.push(key);
  }
  const objects = [];
  for (const key of keys) {
    const metadata = await this.getMetadata(bucket, key).catch((error) => {
      if (error?.code === 'ENOENT') return undefined;
      throw error;
    });
    if (metadata !== undefined) objects.push(new S3Object(bucket, key, null, metadata));
  }
  return { objects, commonPrefixes: [...commonPrefixes].sort(), isTruncated };
};
