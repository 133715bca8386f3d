using ReactorTwin.Core.Numerics;

namespace ReactorTwin.Core.Inference;

/// <summary>The measurement side of the Kalman update: the innovation v, its covariance S = HΨHᵀ + R and the gain
/// numerator G = ΨHᵀ, and their derivatives v_k, S_k, G_k by a gradient parameter. When every measured channel is a
/// state component, H selects rows and columns (no products); with observables H is the projection's linearised
/// rows (<see cref="ObservationProjection"/>).</summary>
public sealed partial class KalmanLnaLikelihood
{
    /// <summary>v = y − η_c, S = Ψ_cc + R, G = Ψ_{·c} for state channels c (replicates repeat a channel).</summary>
    private void SelectMoments(ObservationTime obs, MeasurementNoise noise)
    {
        int n = _n, m = obs.Components.Length;
        var c = obs.Components;
        double[] psi = _state.Covariance, eta = _state.Mean;
        for (int a = 0; a < m; a++)
        {
            _v[a] = obs.Values[a] - eta[c[a]];
            for (int b = 0; b < m; b++)
            {
                _s[(a * m) + b] = psi[(c[a] * n) + c[b]];
            }

            _s[(a * m) + a] += noise.Variance(c[a], obs.Values[a]);
        }

        for (int i = 0; i < n; i++)
        {
            for (int a = 0; a < m; a++)
            {
                _g[(i * m) + a] = psi[(i * n) + c[a]];
            }
        }
    }

    /// <summary>G = ΨHᵀ (n × m) and S = HG + diag(R) from the projection's rows H (m × n) and variances R.</summary>
    private void ProjectMoments(int m)
    {
        int n = _n;
        double[] psi = _state.Covariance;
        MultiplyByRowsTransposed(psi, _rows, _g, m);
        for (int a = 0; a < m; a++)
        {
            for (int b = 0; b < m; b++)
            {
                double s = 0;
                for (int l = 0; l < n; l++)
                {
                    s += _rows[(a * n) + l] * _g[(l * m) + b];
                }

                _s[(a * m) + b] = s;
            }

            _s[(a * m) + a] += _r[a];
        }

        SmallDense.Symmetrize(_s, m);
    }

    /// <summary>v_k = −η_k,c, S_k = Ψ_k,cc, G_k = Ψ_k,·c for state channels.</summary>
    private void SelectMomentSensitivities(int[] c, ReadOnlySpan<double> etak, ReadOnlySpan<double> psik, int m)
    {
        int n = _n;
        for (int a = 0; a < m; a++)
        {
            _vk[a] = -etak[c[a]];
            for (int b = 0; b < m; b++)
            {
                _sk[(a * m) + b] = psik[(c[a] * n) + c[b]];
            }
        }

        for (int i = 0; i < n; i++)
        {
            for (int a = 0; a < m; a++)
            {
                _gk[(i * m) + a] = psik[(i * n) + c[a]];
            }
        }
    }

    /// <summary>
    /// With μ_k in _vk, H_k in _rowsk and R_k in _rk (from the projection): v_k = −μ_k, G_k = Ψ_k Hᵀ + Ψ H_kᵀ,
    /// S_k = H_k G + H G_k + diag(R_k) (the derivative of HΨHᵀ + R).
    /// </summary>
    private void ProjectMomentSensitivities(ReadOnlySpan<double> psik, int m)
    {
        int n = _n;
        double[] psi = _state.Covariance;
        for (int a = 0; a < m; a++)
        {
            _vk[a] = -_vk[a];
        }

        for (int i = 0; i < n; i++)
        {
            for (int a = 0; a < m; a++)
            {
                double s = 0;
                for (int l = 0; l < n; l++)
                {
                    s += (psik[(i * n) + l] * _rows[(a * n) + l]) + (psi[(i * n) + l] * _rowsk[(a * n) + l]);
                }

                _gk[(i * m) + a] = s;
            }
        }

        for (int a = 0; a < m; a++)
        {
            for (int b = 0; b < m; b++)
            {
                double s = 0;
                for (int l = 0; l < n; l++)
                {
                    s += (_rowsk[(a * n) + l] * _g[(l * m) + b]) + (_rows[(a * n) + l] * _gk[(l * m) + b]);
                }

                _sk[(a * m) + b] = s;
            }

            _sk[(a * m) + a] += _rk[a];
        }
    }

    /// <summary>target (n × m) = X Hᵀ for X n × n and rows H m × n.</summary>
    private void MultiplyByRowsTransposed(ReadOnlySpan<double> x, double[] rows, double[] target, int m)
    {
        int n = _n;
        for (int i = 0; i < n; i++)
        {
            for (int a = 0; a < m; a++)
            {
                double s = 0;
                for (int l = 0; l < n; l++)
                {
                    s += x[(i * n) + l] * rows[(a * n) + l];
                }

                target[(i * m) + a] = s;
            }
        }
    }
}
