import type { RoutePolicies } from '../../http/policy-gate.js';

export const REIMBURSEMENT_ROUTES: RoutePolicies = {
  'GET /lieux/:id/banque': 'bank.read',
  'POST /lieux/:id/banque': 'bank.enter',
  'POST /lieux/:id/banque/confirmation': 'bank.confirm',
  // Whoever may confirm pending details may refuse them (canConfirmBankDetails).
  'POST /lieux/:id/banque/refus': 'bank.confirm',
  'POST /api/v1/places/:id/bank-account': 'bank.enter',
  'POST /api/v1/bank-accounts/:id/confirmation': 'bank.confirm',
  'POST /api/v1/bank-accounts/:id/refusal': 'bank.confirm',
  'GET /remboursements': 'bank.review',
  'POST /remboursements': 'reimbursement.runs',
  'GET /remboursements/:id': 'reimbursement.runs',
  'GET /remboursements/:id/virements.xml': 'reimbursement.runs',
  'POST /remboursements/:id/paye': 'reimbursement.runs',
  'POST /remboursements/:id/rejet': 'reimbursement.runs',
  'POST /api/v1/reimbursements': 'reimbursement.runs',
  'GET /api/v1/reimbursements/:id': 'reimbursement.runs',
  'GET /api/v1/reimbursements/:id/pain.001.xml': 'reimbursement.runs',
  'POST /api/v1/reimbursements/:id/paid': 'reimbursement.runs',
  'POST /api/v1/statements/:id/rejection': 'reimbursement.runs',
  'GET /api/v1/statements/:file': 'statement.read',
  'GET /releves': 'statement.read',
  'GET /releves/:file': 'statement.read',
};
