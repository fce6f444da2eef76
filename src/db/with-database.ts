/**
 * Puts `database` into a MongoDB URI's path, keeping hosts and options
 * (`mongodb://h:1/?replicaSet=rs` → `mongodb://h:1/db?replicaSet=rs`). With credentials and
 * no explicit authSource the driver would authenticate against the new database, so the
 * old one (or `admin`) is kept as authSource.
 */
export function withDatabase(uri: string, database: string): string {
  const [base = '', query] = uri.split(/\?(.*)/s, 2);
  const hostsEnd = base.indexOf('/', base.indexOf('://') + 3);
  const hosts = hostsEnd === -1 ? base : base.slice(0, hostsEnd);
  const previous = hostsEnd === -1 ? '' : decodeURIComponent(base.slice(hostsEnd + 1));
  let options = query ?? '';
  if (hosts.includes('@') && !/(^|&)authSource=/i.test(options)) {
    options = [options, `authSource=${encodeURIComponent(previous || 'admin')}`].filter(Boolean).join('&');
  }
  return `${hosts}/${database}${options ? `?${options}` : ''}`;
}
