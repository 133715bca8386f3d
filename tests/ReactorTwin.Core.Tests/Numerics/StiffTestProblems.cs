using ReactorTwin.Core.Numerics;

namespace ReactorTwin.Core.Tests.Numerics;

/// <summary>
/// Standard stiff test problems with analytic Jacobians (Hairer &amp; Wanner, Solving ODEs II, and the IVP test set
/// of Mazzia &amp; Magherini). Reference values: SciPy's Radau IIA at rtol 1e−13 with the same analytic Jacobians
/// (benchmarks/scipy/stiff_references.py); the HIRES values at t = 321.8122 agree with the test set's to 12 digits.
/// </summary>
internal static class StiffTestProblems
{
    /// <summary>Robertson's chemical kinetics: y1' = −0.04 y1 + 1e4 y2 y3, y2' = 0.04 y1 − 1e4 y2 y3 − 3e7 y2², y3' = 3e7 y2².</summary>
    public sealed class Rober : IOdeJacobian
    {
        public static readonly double[] Initial = [1, 0, 0];
        public static readonly double[] Times = [0.4, 4, 40, 400, 4000, 4e4, 4e5];

        public static readonly double[][] Reference =
        [
            [0.9851721138609878, 3.3863953789748974e-05, 0.01479402218522049],
            [0.90551867858425217, 2.240475687560205e-05, 0.094458916658869657],
            [0.71582706871940105, 9.1855347645577931e-06, 0.28416374574582964],
            [0.45051866847110167, 3.2229014416746301e-06, 0.54947810862745194],
            [0.18320225777670809, 8.9423712527758947e-07, 0.81679684798616348],
            [0.038983377085483134, 1.6217683159097031e-07, 0.9610164607376801],
            [0.0049382745209799088, 1.9849940879544232e-08, 0.99506170562907437],
        ];

        public int Dimension => 3;

        public int NonNegativeComponents => 3;

        public void Evaluate(double t, double[] y, double[] dydt)
        {
            dydt[0] = (-0.04 * y[0]) + (1e4 * y[1] * y[2]);
            dydt[2] = 3e7 * y[1] * y[1];
            dydt[1] = -dydt[0] - dydt[2];
        }

        public void Jacobian(double t, double[] y, double[] j)
        {
            j[0] = -0.04;
            j[1] = 1e4 * y[2];
            j[2] = 1e4 * y[1];
            j[3] = 0.04;
            j[4] = (-1e4 * y[2]) - (6e7 * y[1]);
            j[5] = -1e4 * y[1];
            j[6] = 0;
            j[7] = 6e7 * y[1];
            j[8] = 0;
        }
    }

    /// <summary>Van der Pol in the form of MATLAB's vdp1000: y1' = y2, y2' = μ(1 − y1²) y2 − y1, μ = 1000, y(0) = (2, 0).</summary>
    public sealed class VanDerPol : IOdeJacobian
    {
        public const double Mu = 1000;
        public static readonly double[] Initial = [2, 0];
        public static readonly double[] Times = [250, 500, 1000, 1500, 2000, 2500, 3000];

        public static readonly double[][] Reference =
        [
            [1.8195982936831079, -0.00078738490481381417],
            [1.5967689510528409, -0.00103039118783876],
            [-1.8636462548082933, 0.00075354308654291267],
            [-1.3547459194872029, 0.001621788727594776],
            [1.706167732170895, -0.0008928097010241871],
            [-1.9465395177974907, 0.00069793038916193947],
            [-1.5106069367449293, 0.0011783800007292816],
        ];

        public int Dimension => 2;

        public void Evaluate(double t, double[] y, double[] dydt)
        {
            dydt[0] = y[1];
            dydt[1] = (Mu * (1 - (y[0] * y[0])) * y[1]) - y[0];
        }

        public void Jacobian(double t, double[] y, double[] j)
        {
            j[0] = 0;
            j[1] = 1;
            j[2] = (-2 * Mu * y[0] * y[1]) - 1;
            j[3] = Mu * (1 - (y[0] * y[0]));
        }
    }

    /// <summary>HIRES, the "high irradiance responses" of photomorphogenesis (Schäfer 1975), 8 components.</summary>
    public sealed class Hires : IOdeJacobian
    {
        public static readonly double[] Initial = [1, 0, 0, 0, 0, 0, 0, 0.0057];
        public static readonly double[] Times = [5, 50, 321.8122, 421.8122];

        public static readonly double[][] Reference =
        [
            [0.031651675704569747, 0.0064815495310582638, 0.0045834510647473382, 0.089743232735181588, 0.16245145375265518, 0.68504389614442973, 0.0056467003419205502, 5.3299658079452767e-05],
            [0.0054188694749195609, 0.0010594035749510607, 0.00097268508577836503, 0.0093830390479616946, 0.16336600735324858, 0.65587483464382668, 0.0056443703801949139, 5.5629619805094549e-05],
            [0.00073713125733254918, 0.00014424857263161496, 5.8887297409672458e-05, 0.001175651343283115, 0.0023863561988308126, 0.0062389682527412291, 0.0028499983951853652, 0.002850001604814655],
            [0.00067030550358186355, 0.00013099684698634689, 4.6862231597732575e-05, 0.0010446680205517048, 0.0005948838309514841, 0.0013996288339427705, 0.0010144927577184794, 0.004685507242281531],
        ];

        public int Dimension => 8;

        public int NonNegativeComponents => 8;

        public void Evaluate(double t, double[] y, double[] f)
        {
            f[0] = (-1.71 * y[0]) + (0.43 * y[1]) + (8.32 * y[2]) + 0.0007;
            f[1] = (1.71 * y[0]) - (8.75 * y[1]);
            f[2] = (-10.03 * y[2]) + (0.43 * y[3]) + (0.035 * y[4]);
            f[3] = (8.32 * y[1]) + (1.71 * y[2]) - (1.12 * y[3]);
            f[4] = (-1.745 * y[4]) + (0.43 * y[5]) + (0.43 * y[6]);
            f[5] = (-280.0 * y[5] * y[7]) + (0.69 * y[3]) + (1.71 * y[4]) - (0.43 * y[5]) + (0.69 * y[6]);
            f[6] = (280.0 * y[5] * y[7]) - (1.81 * y[6]);
            f[7] = -f[6];
        }

        public void Jacobian(double t, double[] y, double[] j)
        {
            Array.Clear(j);
            j[0] = -1.71;
            j[1] = 0.43;
            j[2] = 8.32;
            j[8] = 1.71;
            j[9] = -8.75;
            j[18] = -10.03;
            j[19] = 0.43;
            j[20] = 0.035;
            j[25] = 8.32;
            j[26] = 1.71;
            j[27] = -1.12;
            j[36] = -1.745;
            j[37] = 0.43;
            j[38] = 0.43;
            j[43] = 0.69;
            j[44] = 1.71;
            j[45] = (-280.0 * y[7]) - 0.43;
            j[46] = 0.69;
            j[47] = -280.0 * y[5];
            j[53] = 280.0 * y[7];
            j[54] = -1.81;
            j[55] = 280.0 * y[5];
            j[61] = -280.0 * y[7];
            j[62] = 1.81;
            j[63] = -280.0 * y[5];
        }
    }

    /// <summary>y' = y cos t, y(0) = 1: y = exp(sin t) (non-autonomous, so the stage times matter).</summary>
    public sealed class ExpSin : IOdeJacobian
    {
        public int Dimension => 1;

        public static double Exact(double t) => Math.Exp(Math.Sin(t));

        public void Evaluate(double t, double[] y, double[] dydt) => dydt[0] = y[0] * Math.Cos(t);

        public void Jacobian(double t, double[] y, double[] j) => j[0] = Math.Cos(t);
    }

    /// <summary>y1' = y2, y2' = −ω² y1, y(0) = (1, 0): y = (cos ωt, −ω sin ωt), ω = 2.</summary>
    public sealed class Oscillator : IOdeJacobian
    {
        public const double Omega = 2.0;

        public int Dimension => 2;

        public static double[] Exact(double t) => [Math.Cos(Omega * t), -Omega * Math.Sin(Omega * t)];

        public void Evaluate(double t, double[] y, double[] dydt)
        {
            dydt[0] = y[1];
            dydt[1] = -Omega * Omega * y[0];
        }

        public void Jacobian(double t, double[] y, double[] j)
        {
            j[0] = 0;
            j[1] = 1;
            j[2] = -Omega * Omega;
            j[3] = 0;
        }
    }

    /// <summary>
    /// Prothero–Robinson y' = λ(y − sin t) + cos t, y(0) = 0, exact y = sin t for every λ; with λ ≪ 0 the problem is
    /// stiff and tests the method on a solution that stays on the slow manifold.
    /// </summary>
    public sealed class ProtheroRobinson(double lambda) : IOdeJacobian
    {
        public int Dimension => 1;

        public void Evaluate(double t, double[] y, double[] dydt) => dydt[0] = (lambda * (y[0] - Math.Sin(t))) + Math.Cos(t);

        public void Jacobian(double t, double[] y, double[] j) => j[0] = lambda;
    }

    /// <summary>
    /// Substrate depletion by Michaelis–Menten kinetics with a tiny half-saturation: y' = −v y/(K + y), v = 1, K = 1e−6,
    /// y(0) = 1. The substrate falls linearly and reaches 0 at t ≈ 1; there the problem turns stiff (rate v/K = 1e6)
    /// and an explicit step overshoots below zero: the classic source of negative concentrations.
    /// </summary>
    public sealed class Depletion : IOdeJacobian
    {
        public const double V = 1, K = 1e-6;

        public int Dimension => 1;

        public int NonNegativeComponents => 1;

        public void Evaluate(double t, double[] y, double[] dydt) => dydt[0] = -V * y[0] / (K + y[0]);

        public void Jacobian(double t, double[] y, double[] j) => j[0] = -V * K / ((K + y[0]) * (K + y[0]));
    }
}
