/**
 * PURE, offline: the province-level region of a coordinate (for `location.region` and the
 * `region:浙江` segment). Nearest reference city wins; points far from every reference city
 * (abroad, open sea) get no region rather than a wrong one.
 */
import { PROVINCE_POINTS } from './province-points.js';

/** Beyond this distance from every reference city a point is "not in China". */
const MAX_DISTANCE_KM = 350;
const EARTH_RADIUS_KM = 6371;

/** Great-circle distance in km (haversine). */
export function distanceKm(lat1: number, lng1: number, lat2: number, lng2: number): number {
  const rad = Math.PI / 180;
  const dLat = (lat2 - lat1) * rad;
  const dLng = (lng2 - lng1) * rad;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLng / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(a)));
}

/** The province (short name: 浙江, 北京, 内蒙古…) of the point, or undefined outside China. */
export function provinceOf(latitude: number, longitude: number): string | undefined {
  if (!Number.isFinite(latitude) || !Number.isFinite(longitude)) {
    return undefined;
  }
  let best: { province: string; km: number } | undefined;
  for (const point of PROVINCE_POINTS) {
    const km = distanceKm(latitude, longitude, point.latitude, point.longitude);
    if (!best || km < best.km) {
      best = { province: point.province, km };
    }
  }
  return best && best.km <= MAX_DISTANCE_KM ? best.province : undefined;
}
