// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity 0.8.28;

/// @title zkpot Groth16 verifier (BN254)
/// @notice Verifies a Groth16 proof over BN254 that a committed model scores S on a committed
/// test set. The public statement is four scalars, in this order:
/// [model commitment, data set commitment, N, S].
/// @dev The contract does not depend on the verifying key: the key is given to the constructor
/// and kept in immutables, so one compiled creation bytecode serves every key of the statement
/// (docs/evm.md). The pairing check is
///     e(A, B) * e(alpha, -beta) * e(vk_x, -gamma) * e(C, -delta) == 1,
///     vk_x = IC[0] + sum_i input[i] * IC[i + 1],
/// which is arkworks' Groth16 equation e(A, B) = e(alpha, beta) e(vk_x, gamma) e(C, delta).
/// The G2 points of the key are passed negated, so the contract never negates anything.
/// G2 coordinates are in the precompile's order: (x_im, x_re, y_im, y_re).
/// It uses only the BN254 precompiles 0x06 (ecAdd), 0x07 (ecMul) and 0x08 (pairing), which
/// reject coordinates >= the base field modulus, points off the curve and G2 points outside the
/// subgroup; public inputs >= the scalar field modulus are rejected here.
contract Groth16Verifier {
    /// @dev The BN254 scalar field modulus r: every public input must be below it.
    uint256 internal constant R =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;

    /// @dev The number of public inputs of the statement.
    uint256 internal constant INPUTS = 4;

    // The verifying key: alpha in G1, -beta, -gamma, -delta in G2, IC[0..4] in G1.
    uint256 internal immutable ALPHA_X;
    uint256 internal immutable ALPHA_Y;
    uint256 internal immutable BETA_NEG_X_IM;
    uint256 internal immutable BETA_NEG_X_RE;
    uint256 internal immutable BETA_NEG_Y_IM;
    uint256 internal immutable BETA_NEG_Y_RE;
    uint256 internal immutable GAMMA_NEG_X_IM;
    uint256 internal immutable GAMMA_NEG_X_RE;
    uint256 internal immutable GAMMA_NEG_Y_IM;
    uint256 internal immutable GAMMA_NEG_Y_RE;
    uint256 internal immutable DELTA_NEG_X_IM;
    uint256 internal immutable DELTA_NEG_X_RE;
    uint256 internal immutable DELTA_NEG_Y_IM;
    uint256 internal immutable DELTA_NEG_Y_RE;
    uint256 internal immutable IC0_X;
    uint256 internal immutable IC0_Y;
    uint256 internal immutable IC1_X;
    uint256 internal immutable IC1_Y;
    uint256 internal immutable IC2_X;
    uint256 internal immutable IC2_Y;
    uint256 internal immutable IC3_X;
    uint256 internal immutable IC3_Y;
    uint256 internal immutable IC4_X;
    uint256 internal immutable IC4_Y;

    /// @param alpha alpha in G1: (x, y).
    /// @param betaNeg -beta in G2: (x_im, x_re, y_im, y_re).
    /// @param gammaNeg -gamma in G2, same order.
    /// @param deltaNeg -delta in G2, same order.
    /// @param ic IC[0..4] in G1: (IC0.x, IC0.y, IC1.x, IC1.y, ..., IC4.y).
    constructor(
        uint256[2] memory alpha,
        uint256[4] memory betaNeg,
        uint256[4] memory gammaNeg,
        uint256[4] memory deltaNeg,
        uint256[10] memory ic
    ) {
        ALPHA_X = alpha[0];
        ALPHA_Y = alpha[1];
        BETA_NEG_X_IM = betaNeg[0];
        BETA_NEG_X_RE = betaNeg[1];
        BETA_NEG_Y_IM = betaNeg[2];
        BETA_NEG_Y_RE = betaNeg[3];
        GAMMA_NEG_X_IM = gammaNeg[0];
        GAMMA_NEG_X_RE = gammaNeg[1];
        GAMMA_NEG_Y_IM = gammaNeg[2];
        GAMMA_NEG_Y_RE = gammaNeg[3];
        DELTA_NEG_X_IM = deltaNeg[0];
        DELTA_NEG_X_RE = deltaNeg[1];
        DELTA_NEG_Y_IM = deltaNeg[2];
        DELTA_NEG_Y_RE = deltaNeg[3];
        IC0_X = ic[0];
        IC0_Y = ic[1];
        IC1_X = ic[2];
        IC1_Y = ic[3];
        IC2_X = ic[4];
        IC2_Y = ic[5];
        IC3_X = ic[6];
        IC3_Y = ic[7];
        IC4_X = ic[8];
        IC4_Y = ic[9];
    }

    /// @notice Verifies a proof of the statement `input`.
    /// @param a the proof's A in G1: (x, y).
    /// @param b the proof's B in G2: [[x_im, x_re], [y_im, y_re]].
    /// @param c the proof's C in G1: (x, y).
    /// @param input [model commitment, data set commitment, N, S], each < r.
    /// @return true if and only if the proof verifies; never reverts on a bad proof or input.
    function verifyProof(
        uint256[2] calldata a,
        uint256[2][2] calldata b,
        uint256[2] calldata c,
        uint256[INPUTS] calldata input
    ) external view returns (bool) {
        for (uint256 i = 0; i < INPUTS; i++) {
            if (input[i] >= R) {
                return false;
            }
        }

        (bool ok, uint256 x, uint256 y) = (true, IC0_X, IC0_Y);
        (ok, x, y) = _mulAdd(ok, x, y, IC1_X, IC1_Y, input[0]);
        (ok, x, y) = _mulAdd(ok, x, y, IC2_X, IC2_Y, input[1]);
        (ok, x, y) = _mulAdd(ok, x, y, IC3_X, IC3_Y, input[2]);
        (ok, x, y) = _mulAdd(ok, x, y, IC4_X, IC4_Y, input[3]);
        if (!ok) {
            return false;
        }

        uint256[24] memory p;
        p[0] = a[0];
        p[1] = a[1];
        p[2] = b[0][0];
        p[3] = b[0][1];
        p[4] = b[1][0];
        p[5] = b[1][1];
        p[6] = ALPHA_X;
        p[7] = ALPHA_Y;
        p[8] = BETA_NEG_X_IM;
        p[9] = BETA_NEG_X_RE;
        p[10] = BETA_NEG_Y_IM;
        p[11] = BETA_NEG_Y_RE;
        p[12] = x;
        p[13] = y;
        p[14] = GAMMA_NEG_X_IM;
        p[15] = GAMMA_NEG_X_RE;
        p[16] = GAMMA_NEG_Y_IM;
        p[17] = GAMMA_NEG_Y_RE;
        p[18] = c[0];
        p[19] = c[1];
        p[20] = DELTA_NEG_X_IM;
        p[21] = DELTA_NEG_X_RE;
        p[22] = DELTA_NEG_Y_IM;
        p[23] = DELTA_NEG_Y_RE;

        uint256[1] memory out;
        bool success;
        assembly ("memory-safe") {
            success := staticcall(gas(), 0x08, p, 768, out, 32)
            success := and(success, eq(returndatasize(), 32))
        }
        return success && out[0] == 1;
    }

    /// @notice The verifying key this instance was deployed with, in constructor order
    /// (alpha, -beta, -gamma, -delta, IC[0..4]), so anyone can check a deployment.
    function verifyingKey() external view returns (uint256[24] memory k) {
        k[0] = ALPHA_X;
        k[1] = ALPHA_Y;
        k[2] = BETA_NEG_X_IM;
        k[3] = BETA_NEG_X_RE;
        k[4] = BETA_NEG_Y_IM;
        k[5] = BETA_NEG_Y_RE;
        k[6] = GAMMA_NEG_X_IM;
        k[7] = GAMMA_NEG_X_RE;
        k[8] = GAMMA_NEG_Y_IM;
        k[9] = GAMMA_NEG_Y_RE;
        k[10] = DELTA_NEG_X_IM;
        k[11] = DELTA_NEG_X_RE;
        k[12] = DELTA_NEG_Y_IM;
        k[13] = DELTA_NEG_Y_RE;
        k[14] = IC0_X;
        k[15] = IC0_Y;
        k[16] = IC1_X;
        k[17] = IC1_Y;
        k[18] = IC2_X;
        k[19] = IC2_Y;
        k[20] = IC3_X;
        k[21] = IC3_Y;
        k[22] = IC4_X;
        k[23] = IC4_Y;
    }

    /// @dev (x, y) + s * (px, py) with ecMul and ecAdd; ok becomes false if a precompile fails
    /// (a point off the curve or a coordinate >= the base field modulus).
    function _mulAdd(bool ok, uint256 x, uint256 y, uint256 px, uint256 py, uint256 s)
        internal
        view
        returns (bool, uint256, uint256)
    {
        assembly ("memory-safe") {
            let m := mload(0x40)
            mstore(m, px)
            mstore(add(m, 32), py)
            mstore(add(m, 64), s)
            ok := and(ok, staticcall(gas(), 0x07, m, 96, m, 64))
            mstore(add(m, 64), x)
            mstore(add(m, 96), y)
            ok := and(ok, staticcall(gas(), 0x06, m, 128, m, 64))
            x := mload(m)
            y := mload(add(m, 32))
        }
        return (ok, x, y);
    }
}
