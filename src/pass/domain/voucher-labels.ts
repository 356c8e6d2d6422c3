import type { VoucherStatus } from '../../db/schema.js';

/** Every voucher status, and its label in French for pages, the CLI and files. */
export const VOUCHER_STATUSES: VoucherStatus[] = ['issued', 'activated', 'allocated', 'handed', 'redeemed', 'expired', 'cancelled'];

export const VOUCHER_STATUS_LABELS: Record<VoucherStatus, string> = {
  issued: 'Émis',
  activated: 'Activé',
  allocated: 'Attribué',
  handed: 'Remis',
  redeemed: 'Encaissé',
  expired: 'Expiré',
  cancelled: 'Annulé',
};
